"""Made-up people with realistic names for the vault benches (never real people).

Five origins as a Greek migrant-integration centre meets them: Arab (Syria, Iraq, Palestine,
Egypt, Sudan), Afghan (and Iranian, Pakistani), Kurdish, African (Somalia, Eritrea, Congo,
Cameroon, Nigeria, West Africa) and Greek. Each origin has a pool of real given names (per gender)
and family names, most common first, each with its common Latin spellings, a Greek spelling and,
for Arabic-script languages, the native spelling; behind them a long tail of names made of
syllables. Names are drawn Zipf-like over the whole pool (rank r weighs 1 / r**s), so a few names
are very common (Mohammad, Ahmadi) and most are rare, as in real registers.

How a person is written down follows the front desk: some are registered in the Arabic or
Persian script (with the Latin form beside it), some in Greek script as a Greek clerk hears the
name (with the Latin form), the rest in Latin script only; Greek people in Greek with the ELOT
transliteration. Everything is deterministic for one seed.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

from kem.vault.normalise import fold

# --- name lists -----------------------------------------------------------------------------
# "Latin spelling/another/...|Greek|Arabic script": Greek and Arabic are optional (a missing Greek
# spelling is made by ``to_greek``; without an Arabic one the person is registered in Latin).
# fmt: off
ARAB_MALE = """
Mohammad/Mohammed/Muhammad/Mohamed|Μοχάμεντ|محمد Ahmad/Ahmed|Αχμάντ|أحمد Ali|Αλί|علي Omar/Umar|Ομάρ|عمر
Mahmoud/Mahmud|Μαχμούντ|محمود Mustafa/Moustafa|Μουσταφά|مصطفى Khaled/Khalid|Χάλεντ|خالد Hassan/Hasan|Χασάν|حسن
Hussein/Hussain/Hossein|Χουσεΐν|حسين Ibrahim/Ebrahim|Ιμπραήμ|إبراهيم Yusuf/Youssef/Yousef|Γιουσούφ|يوسف
Abdullah/Abdallah|Αμπντουλάχ|عبدالله Abdulrahman/Abdul_Rahman|Αμπντουλραχμάν|عبدالرحمن Karim/Kareem|Καρίμ|كريم
Samir/Sameer|Σαμίρ|سمير Tarek/Tariq|Ταρέκ|طارق Walid/Waleed|Ουαλίντ|وليد Bilal|Μπιλάλ|بلال Hamza|Χάμζα|حمزة
Adel/Adil|Αντέλ|عادل Nabil|Ναμπίλ|نبيل Jamal/Gamal|Τζαμάλ|جمال Fadi|Φάντι|فادي Rami|Ράμι|رامي Bashar|Μπασάρ|بشار
Osama/Usama|Οσάμα|أسامة Anas|Ανάς|أنس Ammar|Αμάρ|عمار Majid/Majed|Ματζίντ|ماجد Salim/Saleem|Σαλίμ|سليم
Ziad/Ziyad|Ζιάντ|زياد Khalil|Χαλίλ|خليل Saeed/Said|Σαΐντ|سعيد Nasser/Naser|Νάσερ|ناصر Faisal|Φαϊσάλ|فيصل
Emad/Imad|Εμάντ|عماد Rashid/Rachid|Ρασίντ|رشيد Haitham|Χαϊθάμ|هيثم Mazen|Μάζεν|مازن Sami|Σάμι|سامي
Ayman|Αϊμάν|أيمن Hani|Χάνι|هاني Firas|Φιράς|فراس Wael|Ουαέλ|وائل Yasser/Yasir|Γιάσερ|ياسر Ismail|Ισμαήλ|إسماعيل
Suleiman/Sulaiman|Σουλεϊμάν|سليمان Jihad|Τζιχάντ|جهاد Ayoub/Ayub|Αγιούμπ|أيوب Abdelkader/Abdulqadir Mahdi|Μάχντι|مهدي
Hisham/Hesham|Χισάμ|هشام Raed|Ράεντ|رائد Munir|Μουνίρ|منير Marwan|Μαρουάν|مروان Nidal|Νιντάλ|نضال Hazem|Χάζεμ|حازم
Qusay/Kusai|Κουσάι|قصي Muhannad|Μουχάναντ|مهند Ghassan|Γασάν|غسان Zakaria/Zakariya|Ζακαρία|زكريا Yahya|Γιάχια|يحيى
Issa|Ίσα|عيسى Musa/Moussa|Μούσα|موسى Harun/Haroun|Χαρούν|هارون Idris/Idriss|Ιντρίς|إدريس Malek/Malik|Μάλεκ|مالك
Nour|Νουρ|نور Taha|Τάχα|طه Hamoud|Χαμούντ|حمود Abbas|Αμπάς|عباس Jasim/Jassim|Τζασίμ|جاسم Kamal|Καμάλ|كمال
"""
ARAB_FEMALE = """
Fatima/Fatma|Φάτιμα|فاطمة Aisha/Aysha|Αΐσα|عائشة Mariam/Maryam|Μαριάμ|مريم Zainab/Zeinab|Ζεϊνάμπ|زينب
Noor/Nour|Νουρ|نور Sara/Sarah|Σάρα|سارة Layla/Leila|Λέιλα|ليلى Amal|Αμάλ|أمل Huda/Hoda|Χούντα|هدى Rana|Ράνα|رنا
Hala|Χάλα|هالة Reem/Rim|Ριμ|ريم Rasha|Ράσα|رشا Samira|Σαμίρα|سميرة Yasmin/Yasmine|Γιασμίν|ياسمين
Amina/Amena|Αμίνα|أمينة Khadija/Khadijah|Χαντίτζα|خديجة Salma|Σάλμα|سلمى Dana|Ντάνα|دانا Lina|Λίνα|لينا
Rania|Ράνια|رانيا Hiba|Χίμπα|هبة Asmaa/Asma|Άσμα|أسماء Nadia|Νάντια|نادية Suha|Σούχα|سهى Ghada|Γάντα|غادة
Rawan|Ραουάν|روان Shahd|Σαχντ|شهد Walaa|Ουαλάα|ولاء Bushra|Μπούσρα|بشرى Iman/Eman|Ιμάν|إيمان Hanan|Χανάν|حنان
Nisreen/Nesrine|Νισρίν|نسرين Doaa/Duaa|Ντουάα|دعاء Malak|Μαλάκ|ملاك Jana|Τζάνα|جنى Rahaf|Ραχάφ|رهف
Heba|Χέμπα|هبة Souad/Suad|Σουάντ|سعاد Widad|Ουιντάντ|وداد Rima|Ρίμα|ريما Israa/Esraa|Ισράα|إسراء
Ruqaya/Roqaya|Ρουκάγια|رقية Zahraa|Ζάχρα|زهراء Hadeel|Χαντίλ|هديل Safa|Σάφα|صفاء Marwa|Μάρουα|مروة
"""
ARAB_FAMILY = """
Al-Hassan/Alhassan/El-Hassan|Αλ-Χασάν|الحسن Al-Ali/Alali|Αλ-Αλί|العلي Al-Ahmad/Al-Ahmed|Αλ-Αχμάντ|الأحمد
Haddad|Χαντάντ|حداد Khalil|Χαλίλ|خليل Hamdan|Χαμντάν|حمدان Saleh/Salih|Σάλεχ|صالح Mahmoud|Μαχμούντ|محمود
Ibrahim|Ιμπραήμ|إبراهيم Hussein/Hussain|Χουσεΐν|حسين Abdullah|Αμπντουλάχ|عبدالله Al-Khatib/Alkhatib|Αλ-Χατίμπ|الخطيب
Darwish|Νταρουίς|درويش Nasser|Νάσερ|ناصر Al-Hajj/Alhaj|Αλ-Χατζ|الحاج Othman/Osman|Οθμάν|عثمان
Suleiman|Σουλεϊμάν|سليمان Al-Jabouri/Al-Jubouri|Αλ-Τζαμπούρι|الجبوري Al-Obaidi|Αλ-Ομπέιντι|العبيدي
Al-Tamimi|Αλ-Ταμίμι|التميمي Al-Dulaimi|Αλ-Ντουλέιμι|الدليمي Shaheen/Shahin|Σαχίν|شاهين Youssef/Yousef|Γιούσεφ|يوسف
Mustafa|Μουσταφά|مصطفى Omar|Ομάρ|عمر Qasim/Kassem|Κασίμ|قاسم Aziz|Αζίζ|عزيز Al-Najjar/Najjar|Αλ-Νατζάρ|النجار
Sabbagh|Σαμπάγκ|صباغ Al-Masri/Masri|Αλ-Μάσρι|المصري Halabi|Χαλάμπι|حلبي Hamwi|Χάμουι|حموي Al-Shami|Αλ-Σάμι|الشامي
Issa/Eissa|Ίσα|عيسى Mansour/Mansur|Μανσούρ|منصور Hamoud|Χαμούντ|حمود Jaber|Τζάμπερ|جابر Khoury/Khouri|Χούρι|خوري
Fares|Φάρες|فارس Hamid|Χαμίντ|حميد Al-Saleh|Αλ-Σάλεχ|الصالح Al-Hamdan|Αλ-Χαμντάν|الحمدان Hammoud|Χαμούντ|حمود
Al-Zoubi/Zoubi|Αλ-Ζούμπι|الزعبي Barakat|Μπαρακάτ|بركات Al-Abdullah|Αλ-Αμπντουλάχ|العبدالله Mohammed|Μοχάμεντ|محمد
Ahmed|Αχμέντ|أحمد Ali|Αλί|علي Hassan|Χασάν|حسن Kanaan|Κανάαν|كنعان Al-Rifai|Αλ-Ριφάι|الرفاعي Nassar|Νασάρ|نصار
Abu-Zeid/Abu_Zaid|Αμπού-Ζεΐντ|أبو زيد Qaddour/Kaddour|Καντούρ|قدور Shehadeh/Shehada|Σεχάντε|شحادة
Al-Mousa/Almousa|Αλ-Μούσα|الموسى Al-Hussein|Αλ-Χουσεΐν|الحسين Awad|Αουάντ|عوض Jumaa/Jomaa|Τζούμα|جمعة
"""
AFGHAN_MALE = """
Mohammad/Muhammad/Mohammed|Μοχάμαντ|محمد Ahmad|Αχμάντ|احمد Ali|Αλί|علی Hossein/Hussain/Husain|Χοσεΐν|حسین
Reza|Ρεζά|رضا Mahdi/Mehdi|Μαχντί|مهدی Mustafa/Mostafa|Μουσταφά|مصطفی Sayed/Sayyed|Σαγιέντ|سید Jawad/Javad|Τζαβάντ|جواد
Naser/Nasser|Νάσερ|ناصر Rahim|Ραχίμ|رحیم Karim|Καρίμ|کریم Hamid|Χαμίντ|حمید Rasool/Rasul|Ρασούλ|رسول Nabi|Νάμπι|نبی
Habib|Χαμπίμπ|حبیب Farid|Φαρίντ|فرید Zabihullah|Ζαμπιχουλάχ|ذبیح‌الله Najibullah|Νατζιμπουλάχ|نجیب‌الله
Hekmatullah|Χεκματουλάχ|حکمت‌الله Rahmatullah|Ραχματουλάχ|رحمت‌الله Shafiq|Σαφίκ|شفیق Bashir|Μπασίρ|بشیر
Nasir|Νασίρ|نصیر Wahid/Vahid|Ουαχίντ|وحید Omid|Ομίντ|امید Morteza/Murtaza|Μορτεζά|مرتضی Amir|Αμίρ|امیر
Hamed|Χαμέντ|حامد Jamshid|Τζαμσίντ|جمشید Sohrab|Σοχράμπ|سهراب Khan|Χαν|خان Gul|Γκουλ|گل Noor/Nur|Νουρ|نور
Ismail|Ισμαήλ|اسماعیل Yasin/Yaseen|Γιασίν|یاسین Idris|Ιντρίς|ادریس Samiullah|Σαμιουλάχ|سمیع‌الله Masoud|Μασούντ|مسعود
Ehsan|Εχσάν|احسان Ramin|Ραμίν|رامین Fardin|Φαρντίν|فردین Mansour|Μανσούρ|منصور Abdul_Ghafoor|Αμπντούλ_Γκαφούρ
Zaher|Ζαχέρ|ظاهر Qadir/Ghader|Καντίρ|قادر Ajmal|Ατζμάλ|اجمل Asadullah|Ασαντουλάχ|اسدالله Hamidullah|Χαμιντουλάχ|حمیدالله
Shir/Sher|Σιρ|شیر Esmatullah|Εσματουλάχ|عصمت‌الله Abbas|Αμπάς|عباس Arash|Αράς|آرش Navid|Ναβίντ|نوید Elyas/Ilyas|Ελιάς|الیاس
Sajjad|Σατζάντ|سجاد Mehran|Μεχράν|مهران Parviz/Parwiz|Παρβίζ|پرویز Yousuf/Yusuf|Γιουσούφ|یوسف Haroon|Χαρούν|هارون
"""
AFGHAN_FEMALE = """
Fatima/Fatemeh|Φατιμά|فاطمه Zahra|Ζαχρά|زهرا Maryam|Μαριάμ|مریم Masuma/Masoumeh|Μασουμά|معصومه Zainab|Ζεϊνάμπ|زینب
Sakina|Σακινά|سکینه Shabnam|Σαμπνάμ|شبنم Parwana/Parvaneh|Παρβανά|پروانه Nazanin|Ναζανίν|نازنین Fariba|Φαρίμπα|فریبا
Farzana|Φαρζανά|فرزانه Marzia/Marziyeh|Μαρζιά|مرضیه Roya|Ρόγια|رویا Somaya/Sumaya|Σομάγια|سمیه Nargis/Narges|Ναργκίς|نرگس
Gulnaz|Γκουλνάζ|گلناز Hamida|Χαμίντα|حمیده Laila/Leila|Λαϊλά|لیلا Mina|Μίνα|مینا Mahboba|Μαχμπουμπά|محبوبه
Khadija|Χαντιτζά|خدیجه Razia|Ραζιά|راضیه Freshta/Fereshteh|Φρεστά|فرشته Hadisa|Χαντισά|حدیثه Tahmina|Ταχμινά|تهمینه
Sima|Σίμα|سیما Shakila|Σακίλα|شکیلا Arezo/Arezoo|Αρεζού|آرزو Mursal|Μουρσάλ|مرسل Nilofar/Niloufar|Νιλουφάρ|نیلوفر
Setara/Setareh|Σεταρά|ستاره Mahnaz|Μαχνάζ|مهناز Fahima|Φαχιμά|فهیمه Halima|Χαλιμά|حلیمه Rahima|Ραχιμά|رحیمه
Shukria|Σουκριά|شکریه Nooria/Nuria|Νουριά|نوریه Latifa|Λατιφά|لطیفه Bibi|Μπίμπι|بی‌بی Gulalai|Γκουλαλάι|گلالۍ
"""
AFGHAN_FAMILY = """
Ahmadi|Αχμαντί|احمدی Mohammadi/Muhammadi|Μοχαμαντί|محمدی Hosseini/Husseini|Χοσεϊνί|حسینی Rahimi|Ραχιμί|رحیمی
Karimi|Καριμί|کریمی Rezaei/Rezaie|Ρεζαΐ|رضایی Jafari/Jafary|Τζαφαρί|جعفری Hashemi|Χασεμί|هاشمی Sultani|Σουλτανί|سلطانی
Amiri|Αμιρί|امیری Azizi|Αζιζί|عزیزی Haidari/Haydari|Χαϊνταρί|حیدری Sadat|Σαντάτ|سادات Nazari|Ναζαρί|نظری
Noori/Nuri|Νουρί|نوری Rasuli/Rasouli|Ρασουλί|رسولی Qasemi/Ghasemi|Κασεμί|قاسمی Akbari|Ακμπαρί|اکبری
Yousufi/Yousefi|Γιουσεφί|یوسفی Habibi|Χαμπιμπί|حبیبی Popal|Ποπάλ|پوپل Stanekzai|Στανεκζάι|ستانکزی
Ahmadzai|Αχμαντζάι|احمدزی Safi|Σαφί|صافی Wardak|Ουαρντάκ|وردک Durrani|Ντουρανί|درانی Barakzai|Μπαρακζάι|بارکزی
Alizada/Alizadeh|Αλιζαντέ|علیزاده Hakimi|Χακιμί|حکیمی Sharifi|Σαριφί|شریفی Hamidi|Χαμιντί|حمیدی
Sediqi/Siddiqi|Σεντικί|صدیقی Nabizada|Ναμπιζαντά|نبی‌زاده Mirzaei|Μιρζαΐ|میرزایی Ebrahimi|Εμπραχιμί|ابراهیمی
Mousavi/Musavi|Μουσαβί|موسوی Khavari|Χαβαρί|خاوری Faizi|Φαϊζί|فیضی Samadi|Σαμαντί|صمدی Jalali|Τζαλαλί|جلالی
Rahmani|Ραχμανί|رحمانی Mohseni|Μοχσενί|محسنی Zamani|Ζαμανί|زمانی Ghafoori/Ghafouri|Γκαφουρί|غفوری
Kazemi|Καζεμί|کاظمی Nikzad|Νικζάντ|نیکزاد Anwari/Anvari|Ανβαρί|انوری Hotak|Χοτάκ|هوتک Khan|Χαν|خان
Sakhi|Σαχί|سخی Jan|Τζαν|جان Frotan/Forotan|Φροτάν|فروتن Mirzad|Μιρζάντ|میرزاد Atayee/Ataei|Αταΐ|عطایی
Hussaini|Χουσαϊνί|حسینی Najafi|Ναζαφί|نجفی Taheri|Ταχερί|طاهری Sarwari/Sarvari|Σαρβαρί|سروری Yaqubi/Yaghoubi|Γιακουμπί|یعقوبی
"""
KURDISH_MALE = """
Azad|Αζάντ|ئازاد Rebwar|Ρεμπουάρ|ڕێبوار Karwan|Καρουάν|کاروان Hemin|Χεμίν|هێمن Shvan/Shwan|Σβαν|شوان
Dilshad|Ντιλσάντ|دلشاد Sherwan/Shirwan|Σερβάν|شیروان Baran|Μπαράν|باران Dler/Diler|Ντλερ|دلێر Rojhat|Ροζχάτ
Serhat|Σερχάτ Zana|Ζάνα|زانا Hawkar|Χαουκάρ|هاوکار Soran|Σοράν|سۆران Kawa/Kawe|Κάουα|کاوە Aram|Αράμ|ئارام
Bahoz|Μπαχόζ Diyar|Ντιγιάρ Heval|Χεβάλ Berzan|Μπερζάν Kamaran|Καμαράν|کامەران Ahmed|Αχμέτ|ئەحمەد
Mohammed/Muhammed|Μοχάμεντ|محەمەد Ali|Αλί|عەلی Omar|Ομάρ|عومەر Hassan|Χασάν|حەسەن Ibrahim|Ιμπραήμ|ئیبراهیم
Jamal|Τζαμάλ|جەمال Salah|Σαλάχ|سەلاح Nawzad|Ναουζάντ|نەوزاد Goran|Γκοράν|گۆران Bakhtiyar|Μπαχτιγιάρ|بەختیار
Hozan|Χοζάν Dilovan|Ντιλοβάν Rizgar|Ριζγκάρ|ڕزگار Mahmud|Μαχμούτ|مەحموود Hussein|Χουσεΐν|حوسێن Sirwan|Σιρβάν|سیروان
Zhyar/Zhiyar|Ζιγιάρ|ژیار Ranj|Ραντζ|ڕەنج Awat|Αουάτ|ئاوات Peshraw|Πεσράου|پێشڕەو Mehmet|Μεχμέτ Murat|Μουράτ
"""
KURDISH_FEMALE = """
Shilan|Σιλάν|شیلان Rozhin|Ροζίν|ڕۆژین Berivan|Μπεριβάν|بەریڤان Avin|Αβίν|ئاڤین Dilan|Ντιλάν|دیلان Hevi/Hevin|Χεβί
Jiyan|Τζιγιάν Nesrin|Νεσρίν|نەسرین Rojda|Ρόζντα Zilan|Ζιλάν Bahar|Μπαχάρ|بەهار Gulistan|Γκιουλιστάν Helin|Χελίν
Shirin|Σιρίν|شیرین Nazdar|Ναζντάρ|نازدار Sozan|Σοζάν|سۆزان Hana|Χάνα|هانا Kani|Κάνι|کانی Lana|Λάνα|لانا
Narin|Ναρίν|نارین Parwin/Parvin|Παρβίν|پەروین Ronahi|Ροναχί Tara|Τάρα|تارا Vian|Βιάν|ڤیان Zhino|Ζίνο|ژینۆ
Amina|Αμίνα|ئامینە Fatma|Φάτμα Leyla|Λεϊλά Gulan|Γκουλάν|گوڵان Chra/Chira|Τσίρα|چرا Awaz|Αουάζ|ئاواز
"""
KURDISH_FAMILY = """
Ahmed/Ahmad|Αχμέντ|ئەحمەد Mohammed/Muhammad|Μοχάμεντ|محەمەد Ali|Αλί|عەلی Hassan|Χασάν|حەسەن Hussein|Χουσεΐν|حوسێن
Barzani|Μπαρζανί|بارزانی Talabani|Ταλαμπανί|تاڵەبانی Jaff|Τζαφ|جاف Kaka|Κάκα|کاکە Salih/Saleh|Σάλιχ|ساڵح Omar|Ομάρ|عومەر
Aziz|Αζίζ|عەزیز Rashid|Ρασίντ|ڕەشید Abdullah|Αμπντουλάχ|عەبدوڵڵا Karim|Καρίμ|کەریم Qadir/Kadir|Καντίρ|قادر
Hamad|Χαμάντ|حەمەد Mahmoud|Μαχμούντ|مەحموود Othman/Osman|Οσμάν|عوسمان Ismail|Ισμαήλ|ئیسماعیل Amin|Αμίν|ئەمین
Zebari|Ζεμπαρί|زێباری Doski|Ντόσκι|دۆسکی Mizuri|Μιζουρί Surchi|Σουρτσί Herki|Χερκί Hawrami|Χαουραμί|هەورامی
Kurdi|Κούρντι|کوردی Demir|Ντεμίρ Yildiz|Γιλντίζ Aydin|Αϊντίν Kaya|Κάγια Celik|Τσελίκ Dogan|Ντογάν Arslan|Αρσλάν
Ozturk|Οζτούρκ Tekin|Τεκίν Bozkurt|Μποζκούρτ Sheikh/Shekh|Σεΐχ|شێخ Mustafa|Μουσταφά|مستەفا Rasul|Ρασούλ|ڕەسوڵ
"""
AFRICAN_MALE = """
Mohamed/Mohammed|Μοχάμεντ Abdi|Άμπντι Ahmed|Αχμέντ Abdirahman|Αμπντιραχμάν Mustafa|Μουσταφά Yonas/Yonatan|Γιόνας
Dawit/Daniel|Ντάουιτ Samuel|Σαμουήλ Tesfay/Tesfaye|Τεσφάι Mussie|Μούσιε Jean|Ζαν Patrick|Πάτρικ Emmanuel|Εμανουέλ
Joseph|Ζοζέφ Christian|Κριστιάν Chukwuemeka|Τσουκουέμεκα Ibrahima|Ιμπραΐμα Mamadou|Μαμαντού Ousmane|Ουσμάν
Abdoulaye|Αμπντουλάι Moussa|Μούσα Alpha|Άλφα Sekou|Σεκού Lamine|Λαμίν Issa|Ίσα Idriss|Ιντρίς Oumar|Ουμάρ
Boubacar|Μπουμπακάρ Yohannes|Γιοχάνες Filmon|Φιλμόν Henok|Χενόκ Merhawi|Μερχάουι Tekle|Τέκλε Berhane|Μπερχάνε
Eric|Ερίκ Junior|Τζούνιορ Blaise|Μπλεζ Herve|Ερβέ Arnaud|Αρνό Cedric|Σεντρίκ Chinedu|Τσινέντου Uche|Ούτσε
Ifeanyi|Ιφεάνι Tunde|Τούντε Kwame|Κουάμε Kofi|Κόφι Abdoul|Αμπντούλ Amadou|Αμαντού Souleymane|Σουλεϊμάν
Fode|Φοντέ Mohamed_Lamin|Μοχάμεντ_Λαμίν Abdiwali|Αμπντιγουάλι Liban|Λιμπάν Farah|Φάραχ Hamza|Χάμζα
"""
AFRICAN_FEMALE = """
Amina|Αμίνα Fatima/Fatuma|Φατίμα Hodan|Χοντάν Ayan|Αγιάν Sahra/Sahro|Σάχρα Hawa|Χάουα Mariam/Maryan|Μαριάμ
Aisha/Aicha|Αΐσα Fatoumata|Φατουμάτα Aminata|Αμινάτα Kadiatou|Καντιατού Mariama|Μαριάμα Helen|Έλεν Selam|Σελάμ
Senait|Σενάιτ Feven|Φεβέν Grace|Γκρέις Blessing|Μπλέσινγκ Esther|Εσθήρ Ruth|Ρουθ Mercy|Μέρσι Joy|Τζόι
Chantal|Σαντάλ Nadine|Ναντίν Josephine|Ζοζεφίν Marie|Μαρί Aissatou|Αϊσατού Saba|Σάμπα Yordanos|Γιορντάνος
Mebrat|Μεμπράτ Rahwa|Ράχουα Winta|Ουίντα Halima|Χαλίμα Khadra|Χάντρα Ifrah|Ιφράχ Deka|Ντέκα Nasra|Νάσρα
Chioma|Τσιόμα Ngozi|Νγκόζι Precious|Πρέσιους Princess|Πρίνσες Divine|Ντιβάιν Clarisse|Κλαρίς Sandrine|Σαντρίν
"""
AFRICAN_FAMILY = """
Mohamed|Μοχάμεντ Ali|Αλί Hassan|Χασάν Abdi|Άμπντι Ahmed|Αχμέντ Omar|Ομάρ Warsame|Ουαρσάμε Farah|Φάραχ Jama|Τζάμα
Hussein|Χουσεΐν Yusuf|Γιουσούφ Osman|Οσμάν Nur/Noor|Νουρ Aden/Adan|Άντεν Tesfaye|Τεσφάγε Berhane|Μπερχάνε
Haile|Χάιλε Tekle|Τέκλε Gebremedhin|Γκεμπρεμέντιν Kidane|Κιντάνε Mehari|Μεχάρι Ghebreyesus|Γκεμπρεγιέσους
Tsegay/Tsegai|Τσεγκάι Abraha|Αμπράχα Woldu|Γουόλντου Yohannes|Γιοχάνες Tesfamariam|Τεσφαμαριάμ Mbala|Μπαλά
Kabila|Καμπίλα Tshibanda|Τσιμπάντα Mukendi|Μουκέντι Ilunga|Ιλούνγκα Kalonji|Καλόντζι Mbuyi|Μπούγι
Kabongo|Καμπόνγκο Ngoy|Νγκόι Lukusa|Λουκούσα Okafor|Οκαφόρ Adeyemi|Αντεγιέμι Okonkwo|Οκόνκουο Eze|Έζε
Ibrahim|Ιμπραήμ Abubakar|Αμπουμπακάρ Bello|Μπέλο Olawale|Ολαουάλε Adebayo|Αντεμπάγιο Nwosu|Νουόσου
Chukwu|Τσούκου Nkwenti|Νκουέντι Fotso|Φότσο Kamga|Κάμγκα Mbarga|Μπάργκα Diallo|Ντιάλο Bah|Μπα Barry|Μπαρί
Sow|Σου Camara|Καμαρά Keita|Κεϊτά Traore|Τραορέ Coulibaly|Κουλιμπαλί Toure|Τουρέ Sylla|Σιλά Conde|Κοντέ
Kone|Κονέ Kamara|Καμαρά Sesay|Σεσέι Bangura|Μπανγκούρα Kargbo|Κάργκμπο Mensah|Μένσα Boateng|Μποατένγκ
"""
GREEK_MALE = """
Γιώργος Νίκος Κωνσταντίνος Δημήτρης Γιάννης Ιωάννης Παναγιώτης Βασίλης Χρήστος Αθανάσιος Μιχάλης Ευάγγελος
Σπύρος Αντώνης Ανδρέας Αλέξανδρος Θεόδωρος Στέλιος Πέτρος Ηλίας Σταύρος Μανώλης Άγγελος Παύλος Φώτης Θανάσης
Λευτέρης Αριστείδης Περικλής Κυριάκος Γεώργιος Νικόλαος Δημήτριος Εμμανουήλ Χαράλαμπος Απόστολος Γρηγόρης
Σωτήρης Τάσος Μάρκος Λάμπρος Ορέστης Διονύσης Θωμάς Αχιλλέας Στρατής Μιλτιάδης Ζήσης Ραφαήλ Ντίνος Μπάμπης
"""
GREEK_FEMALE = """
Μαρία Ελένη Αικατερίνη Βασιλική Σοφία Αγγελική Γεωργία Δήμητρα Κωνσταντίνα Παρασκευή Ευαγγελία Χριστίνα
Ιωάννα Αναστασία Ειρήνη Δέσποινα Ευτυχία Αθηνά Παναγιώτα Σταυρούλα Χαρίκλεια Κατερίνα Νίκη Φωτεινή Ζωή
Αλεξάνδρα Θεοδώρα Μαγδαληνή Ευγενία Κυριακή Ελισάβετ Αργυρώ Σταματία Χρυσούλα Μαργαρίτα Ανθή Βαρβάρα Ρένα
"""
GREEK_FAMILY = """
Παπαδόπουλος Βλάχος Αγγελόπουλος Νικολαΐδης Γεωργίου Παπαδάκης Οικονόμου Καραγιάννης Μακρής Παπαγεωργίου
Δημητρίου Ιωάννου Κωνσταντίνου Νικολάου Παπανικολάου Αθανασίου Χριστοδούλου Ευαγγέλου Παππάς Λαμπράκης
Αντωνίου Μιχαηλίδης Σταυρόπουλος Παναγιωτόπουλος Αλεξίου Κυριακίδης Θεοδωρίδης Ζαχαρίου Μαυρίδης Τσακίρης
Πετρόπουλος Κουτσούκος Σαββίδης Χατζηδάκης Ραφαηλίδης Φωτίου Μπακάλης Ντόκος Γκίκας Ευθυμίου Καλογεράκης
Κωστόπουλος Ζερβός Πολυχρόνης Αναστασίου Γιαννόπουλος Τζαννετάκης Μαρκόπουλος Σιδηρόπουλος Μπούρας
"""
# fmt: on

# Syllables of the made-up tail: (Latin, Greek, Arabic script).
SYLLABLES = [
    ("ba", "μπα", "با"), ("da", "ντα", "دا"), ("fa", "φα", "فا"), ("ha", "χα", "ها"), ("ja", "τζα", "جا"),
    ("ka", "κα", "كا"), ("la", "λα", "لا"), ("ma", "μα", "ما"), ("na", "να", "نا"), ("ra", "ρα", "را"),
    ("sa", "σα", "سا"), ("ta", "τα", "تا"), ("za", "ζα", "زا"), ("bi", "μπι", "بي"), ("di", "ντι", "دي"),
    ("hi", "χι", "هي"), ("ki", "κι", "كي"), ("li", "λι", "لي"), ("mi", "μι", "مي"), ("ni", "νι", "ني"),
    ("ri", "ρι", "ري"), ("si", "σι", "سي"), ("ti", "τι", "تي"), ("zi", "ζι", "زي"), ("mu", "μου", "مو"),
    ("nu", "νου", "نو"), ("ru", "ρου", "رو"), ("su", "σου", "سو"), ("du", "ντου", "دو"), ("ho", "χο", "هو"),
    ("ko", "κο", "كو"), ("lo", "λο", "لو"), ("mo", "μο", "مو"), ("no", "νο", "نو"), ("ro", "ρο", "رو"),
    ("sha", "σα", "شا"), ("kha", "χα", "خا"), ("gha", "γα", "غا"), ("be", "μπε", "ب"), ("de", "ντε", "د"),
    ("me", "με", "م"), ("ne", "νε", "ن"), ("re", "ρε", "ر"), ("se", "σε", "س"), ("te", "τε", "ت"),
    ("wa", "ουα", "وا"), ("ya", "για", "يا"), ("qa", "κα", "قا"), ("ga", "γκα", "گا"), ("pa", "πα", "پا"),
]  # fmt: skip
# Endings of made-up family names, by origin: (Latin, Greek, Arabic script).
TAIL_ENDINGS = {
    "arab": [("", "", ""), ("", "", ""), ("i", "ι", "ي"), ("an", "αν", "ان")],
    "afghan": [("i", "ί", "ی"), ("i", "ί", "ی"), ("zai", "ζάι", "زی"), ("zada", "ζαντά", "زاده"), ("", "", "")],
    "kurdish": [("", "", ""), ("i", "ί", "ی"), ("an", "άν", "ان")],
    "african": [("", "", ""), ("e", "ε", ""), ("o", "ο", ""), ("u", "ου", ""), ("ye", "γιε", "")],
    "greek": [("opoulos", "όπουλος", ""), ("idis", "ίδης", ""), ("akis", "άκης", ""), ("iou", "ίου", ""), ("as", "άς", "")],
}  # fmt: skip


@dataclass(frozen=True)
class Name:
    """One name with its spellings: Latin ones (most common first), Greek, Arabic script."""

    latin: tuple[str, ...]
    greek: str
    arabic: str = ""


@dataclass(frozen=True)
class Origin:
    key: str
    share: float
    nationalities: tuple[tuple[str, float], ...]
    # How the front desk writes them: shares of (Arabic script, Greek script); the rest Latin.
    arabic_share: float
    greek_share: float
    male: str
    female: str
    family: str
    tail_given: int  # made-up names behind the real ones
    tail_family: int


ORIGINS = (
    Origin("arab", 0.28, (("SY", 0.5), ("IQ", 0.25), ("PS", 0.12), ("EG", 0.08), ("SD", 0.05)), 0.25, 0.20,
           ARAB_MALE, ARAB_FEMALE, ARAB_FAMILY, 600, 6000),
    Origin("afghan", 0.27, (("AF", 0.85), ("IR", 0.1), ("PK", 0.05)), 0.20, 0.20,
           AFGHAN_MALE, AFGHAN_FEMALE, AFGHAN_FAMILY, 600, 6000),
    Origin("kurdish", 0.12, (("IQ", 0.45), ("SY", 0.3), ("TR", 0.2), ("IR", 0.05)), 0.10, 0.20,
           KURDISH_MALE, KURDISH_FEMALE, KURDISH_FAMILY, 400, 3000),
    Origin("african", 0.23, (("SO", 0.2), ("ER", 0.2), ("CD", 0.2), ("CM", 0.1), ("NG", 0.1), ("GN", 0.1),
                             ("SL", 0.05), ("SN", 0.05)), 0.0, 0.15,
           AFRICAN_MALE, AFRICAN_FEMALE, AFRICAN_FAMILY, 800, 10000),
    Origin("greek", 0.10, (("GR", 0.8), ("AL", 0.1), ("GE", 0.1)), 0.0, 1.0,
           GREEK_MALE, GREEK_FEMALE, GREEK_FAMILY, 300, 5000),
)  # fmt: skip
ZIPF_GIVEN = 1.1
ZIPF_FAMILY = 0.95


def parse(text: str) -> list[Name]:
    """The names of one list ("_" joins the words of a two-word name)."""
    names = []
    for item in text.split():
        item = item.replace("_", " ")
        latin, greek, arabic = [*item.split("|"), "", ""][:3]
        if not latin.isascii():  # a Greek list: the Latin form is the ELOT transliteration
            greek, latin = latin, elot(latin)
        spellings = tuple(latin.split("/"))
        names.append(Name(spellings, greek or to_greek(spellings[0]), arabic))
    return names


def elot(greek: str) -> str:
    """The Latin form a Greek name is written in (ELOT 743, as ``fold`` makes it), capitalised."""
    return " ".join(part.capitalize() for part in fold(greek).split())


_TO_GREEK = [
    ("sh", "σ"), ("kh", "χ"), ("ch", "τσ"), ("th", "θ"), ("ph", "φ"), ("gh", "γ"), ("dj", "τζ"), ("ou", "ου"),
    ("oo", "ου"), ("ee", "ι"), ("ai", "αϊ"), ("ei", "ει"), ("j", "τζ"), ("b", "μπ"), ("d", "ντ"), ("g", "γκ"),
    ("u", "ου"), ("w", "ου"), ("h", "χ"), ("c", "κ"), ("q", "κ"), ("x", "ξ"), ("v", "β"), ("e", "ε"), ("a", "α"),
    ("i", "ι"), ("o", "ο"), ("k", "κ"), ("l", "λ"), ("m", "μ"), ("n", "ν"), ("p", "π"), ("r", "ρ"), ("s", "σ"),
    ("t", "τ"), ("z", "ζ"), ("f", "φ"), ("y", "ι"),
]  # fmt: skip


def to_greek(latin: str) -> str:
    """How a Greek clerk would write a foreign name heard in Latin letters (no accents)."""
    out = []
    for word in latin.split():
        text, greek = word.lower(), ""
        while text:
            if text[0] == "y" and len(text) > 1 and text[1] in "aeiou":
                greek, text = greek + "γι", text[1:]
                continue
            if len(text) > 1 and text[0] == text[1] and text[0] not in "o":
                text = text[1:]
            for src, dst in _TO_GREEK:
                if text.startswith(src):
                    greek, text = greek + dst, text[len(src) :]
                    break
            else:
                greek, text = greek + text[0], text[1:]
        if greek.endswith("σ"):
            greek = greek[:-1] + "ς"
        out.append(greek[:1].upper() + greek[1:])
    return " ".join(out)


def female_greek(family: str) -> str:
    """The feminine form of a Greek family name (Παπαδόπουλος -> Παπαδοπούλου)."""
    for masculine, feminine in (("όπουλος", "οπούλου"), ("ος", "ου"), ("ης", "η"), ("άς", "ά"), ("ας", "α")):
        if family.endswith(masculine):
            return family[: -len(masculine)] + feminine
    return family


# --- pools ------------------------------------------------------------------------------------
@dataclass
class Pool:
    """Names ranked by frequency with Zipf cumulative weights, to draw from quickly."""

    names: list[Name]
    cumulative: list[float]

    @classmethod
    def zipf(cls, names: list[Name], exponent: float) -> Pool:
        weights = [1 / (rank**exponent) for rank in range(1, len(names) + 1)]
        return cls(names, list(itertools.accumulate(weights)))

    def draw(self, rng: random.Random) -> Name:
        return self.names[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def _made_up(
    rng: random.Random,
    count: int,
    endings: list[tuple[str, str, str]],
    taken: set[str],
    *,
    arabic_script: bool,
) -> list[Name]:
    names = []
    while len(names) < count:
        parts = [rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))]
        ending = rng.choice(endings)
        latin = "".join(p[0] for p in parts) + ending[0]
        if latin in taken:
            continue
        taken.add(latin)
        greek = "".join(p[1] for p in parts) + ending[1]
        arabic = "".join(p[2] for p in parts) + ending[2] if arabic_script else ""
        spellings = [latin.capitalize()]
        if rng.random() < 0.3:  # a second common spelling: e for i, u for o, a doubled consonant
            variant = latin.replace("i", "e", 1) if "i" in latin else latin.replace("o", "u", 1)
            if variant != latin:
                spellings.append(variant.capitalize())
        names.append(Name(tuple(spellings), greek[:1].upper() + greek[1:], arabic))
    return names


@dataclass
class OriginPools:
    origin: Origin
    male: Pool
    female: Pool
    family: Pool
    nationality: list[str]
    nationality_cumulative: list[float]


def build_pools(seed: int) -> list[OriginPools]:
    """The name pools of every origin: real names first, then the made-up tail (deterministic)."""
    rng = random.Random(f"names:{seed}")
    pools = []
    for origin in ORIGINS:
        taken: set[str] = set()
        lists = []
        for text, tail, exponent, endings in (
            (origin.male, origin.tail_given, ZIPF_GIVEN, [("", "", "")]),
            (origin.female, origin.tail_given, ZIPF_GIVEN, [("a", "α", "ا"), ("", "", "")]),
            (origin.family, origin.tail_family, ZIPF_FAMILY, TAIL_ENDINGS[origin.key]),
        ):
            real = parse(text)
            taken.update(n.latin[0].lower() for n in real)
            made = _made_up(rng, tail, endings, taken, arabic_script=origin.arabic_share > 0)
            if origin.key == "greek":
                made = [Name((elot(n.greek),), n.greek) for n in made]
            lists.append(Pool.zipf(real + made, exponent))
        codes = [code for code, _ in origin.nationalities]
        cumulative = list(itertools.accumulate(share for _, share in origin.nationalities))
        pools.append(OriginPools(origin, lists[0], lists[1], lists[2], codes, cumulative))
    return pools


@dataclass(frozen=True)
class PersonName:
    """What the front desk writes down: native-script names, and Latin ones when those differ."""

    origin: str
    gender: str
    nationality: str
    given: str
    family: str
    given_latin: str
    family_latin: str


def draw_person(pools: list[OriginPools], rng: random.Random) -> PersonName:
    roll = rng.random()
    share = 0.0
    chosen = pools[-1]
    for pool in pools:
        share += pool.origin.share
        if roll < share:
            chosen = pool
            break
    origin = chosen.origin
    g = rng.random()
    gender = "male" if g < 0.6 else "female" if g < 0.98 else "not_stated" if g < 0.995 else "non_binary"
    given_pool = chosen.female if gender == "female" else chosen.male
    given, family = given_pool.draw(rng), chosen.family.draw(rng)
    nationality = chosen.nationality[
        bisect.bisect(chosen.nationality_cumulative, rng.random() * chosen.nationality_cumulative[-1])
    ]
    # One Latin spelling per name (the most common one more often).
    given_latin = given.latin[0] if rng.random() < 0.6 else rng.choice(given.latin)
    family_latin = family.latin[0] if rng.random() < 0.6 else rng.choice(family.latin)
    script = rng.random()
    if origin.key == "greek":
        family_greek = female_greek(family.greek) if gender == "female" else family.greek
        return PersonName(origin.key, gender, nationality, given.greek, family_greek, given_latin,
                          elot(family_greek))  # fmt: skip
    if script < origin.arabic_share and given.arabic and family.arabic:
        return PersonName(
            origin.key, gender, nationality, given.arabic, family.arabic, given_latin, family_latin
        )
    if script < origin.arabic_share + origin.greek_share:
        return PersonName(
            origin.key, gender, nationality, given.greek, family.greek, given_latin, family_latin
        )
    return PersonName(origin.key, gender, nationality, given_latin, family_latin, "", "")
